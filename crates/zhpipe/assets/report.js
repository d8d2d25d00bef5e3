// Paginates and filters the document index. The filter matches a row's text (number, title,
// id, date, source, status) and its data-search names (the document's most mentioned entities
// and its themes); `report.html?q=…` opens the index filtered. After drawing, the script
// records on the body element how many rows it has, how many the filter shows, how many charts it drew
// and any element that sticks out of its card (data-overflow), which the browser test checks at several widths.
(function(){
  var per=100, page=0;
  var rows=Array.prototype.slice.call(document.querySelectorAll('#doc-index tbody tr'));
  var haystacks=rows.map(function(r){return (r.textContent+' '+(r.getAttribute('data-search')||'')).toLowerCase();});
  var shown=rows;
  var label=document.getElementById('page');
  var filter=document.getElementById('filter');
  function draw(){
    var pages=Math.max(1,Math.ceil(shown.length/per));
    if(page>=pages){page=pages-1;}
    rows.forEach(function(r){r.style.display='none';});
    shown.slice(page*per,(page+1)*per).forEach(function(r){r.style.display='';});
    label.textContent='page '+(page+1)+' of '+pages+' · '+shown.length+' documents';
    document.body.setAttribute('data-shown',String(shown.length));
  }
  function apply(q){
    q=q.toLowerCase().trim();
    shown=q?rows.filter(function(r,i){return haystacks[i].indexOf(q)>=0;}):rows;
    page=0;draw();
  }
  document.getElementById('prev').onclick=function(){if(page>0){page--;draw();}};
  document.getElementById('next').onclick=function(){page++;draw();};
  filter.oninput=function(){apply(this.value);};
  var q=new URLSearchParams(location.search).get('q');
  if(q){filter.value=q;apply(q);}else{draw();}
  // Inside a box that scrolls or clips (the place × theme table, a cut-off name), an element
  // may be wider than the card without sticking out of it.
  function clipped(el,card){
    for(var a=el.parentElement;a&&a!==card;a=a.parentElement){
      if(getComputedStyle(a).overflowX!=='visible'){return true;}
    }
    return false;
  }
  function overflowing(){
    var bad=[];
    document.querySelectorAll('.card').forEach(function(card){
      var box=card.getBoundingClientRect();
      card.querySelectorAll('*').forEach(function(el){
        if(!el.getClientRects().length||clipped(el,card)){return;}
        var r=el.getBoundingClientRect();
        // Text wider than its own box sticks out too, though no element does.
        var spills=getComputedStyle(el).overflowX==='visible'&&el.scrollWidth>el.clientWidth+1&&el.clientWidth>0;
        if(r.right>box.right+0.5||r.left<box.left-0.5||spills){
          bad.push((card.querySelector('h3')||card).textContent+': '+el.tagName.toLowerCase()+(el.className&&el.className.baseVal===undefined?'.'+el.className:''));
        }
      });
    });
    return bad;
  }
  document.body.setAttribute('data-rendered',String(rows.length));
  document.body.setAttribute('data-sections',String(document.querySelectorAll('section.doc').length));
  document.body.setAttribute('data-charts',String(Array.prototype.filter.call(document.querySelectorAll('svg.chart'),function(svg){var r=svg.getBoundingClientRect();return r.width>100&&r.height>30&&svg.querySelector('rect,polyline');}).length));
  document.body.setAttribute('data-overflow',overflowing().slice(0,10).join(' | '));
})();
